"""Words of office around people's names ("Foreign Minister Qin Gang", "Treasury Secretary
Janet Yellen"). Follow-ups use them to find names after a title; presupposition checks
drop them so that "Minister" in one sentence does not stand for "Foreign Minister Qin Gang".
"""

TITLES = {"minister", "premier", "secretary", "president", "ambassador", "speaker", "spokesman", "spokeswoman",
          "spokesperson", "chairman", "senator", "governor", "mayor", "general", "director", "adviser",
          "advisor", "representative", "leader", "chief", "official", "envoy", "diplomat", "mr.", "mrs.", "ms.",
          "dr.", "prime", "vice", "foreign"}
# Words of office and institution names ("Secretary of State X", "House Speaker X").
INSTITUTIONS = {"state", "commerce", "treasury", "defense", "justice", "homeland", "security", "affairs", "trade",
                "culture", "tourism", "house", "senate", "congress", "ministry", "department", "embassy",
                "white", "national", "council", "assistant", "deputy"}
