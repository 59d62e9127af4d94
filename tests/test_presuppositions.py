"""What a question takes for granted, and whether a sentence's neighbourhood states it."""

from assistant.retrieve.predicates import Predicate, asked_predicate
from assistant.retrieve.presuppositions import (Neighbourhood, analyse, checked_predicate, unmet,
                                                without_predicate)


def near(sentence: str, before: tuple[str, ...] = (), date: str | None = None) -> Neighbourhood:
    return Neighbourhood(sentence, sentence, before, (), date)


def lemma(question: str) -> str | None:
    p = asked_predicate(question)
    return p.lemma if p else None


def test_the_verb_of_the_question_is_found_after_its_subject():
    assert lemma("What did Qin Gang call the top priority?") == "call"
    assert lemma("What did US trade officials discuss in Beijing?") == "discuss"
    assert lemma("What did the two sides agree to hold next year?") == "agree"
    assert lemma("What did China's foreign minister urge Washington to do?") == "urge"
    assert asked_predicate("What was decided at the summit?") == Predicate("decide", "decided", "passive")
    assert asked_predicate("Which senator accompanied Raimondo?") == Predicate("accompany", "accompanied", "subject")
    assert lemma("What was the premier hinting at?") is None  # progressive, not passive
    assert lemma("What did Raimondo do there?") is None  # a light verb: nothing to check
    assert checked_predicate("Why did they meet?") is None  # reasons are left to similarity…
    assert checked_predicate("Why did He Lifeng urge Washington to act?").lemma == "urge"  # …but not exchanges
    assert lemma("Which kinds of policy has Beijing shown no sign of changing?") == "show"  # perfect, not passive


def test_which_predicates_are_checked_and_how():
    assert checked_predicate("What did X and Y agree on?").lemma == "agree"  # an exchange, any shape
    assert checked_predicate("Where was the balloon shot down?").lemma == "shoot"  # circumstances of an event
    assert checked_predicate("In which city was he expected to arrive?") is None  # a plan, not an event
    assert checked_predicate("In which capital did Wang Yi sit down with Sullivan?") is None
    # the paraphrase probe drops the verb, except for exchanges (checked by their words only)
    assert without_predicate("Which senator accompanied Raimondo?") == "Which senator Raimondo?"
    assert without_predicate("What did X and Y agree on?") is None


def test_a_paraphrased_deed_counts_but_a_paraphrased_exchange_does_not():
    resumed = near("The two sides resumed climate talks after the summit.")
    assert "predicate" in unmet(analyse("Which negotiations restarted after the summit?"), resumed)
    assert "predicate" not in unmet(analyse("Which negotiations restarted after the summit?"), resumed,
                                    paraphrased=True)
    met = near("Qin Gang met Nicholas Burns on Monday.")
    assert "predicate" in unmet(analyse("What did Qin Gang and Nicholas Burns agree on?"), met, paraphrased=True)


def test_an_exchange_the_articles_never_report_is_not_answered():
    asked = analyse("What did Qin Gang and Nicholas Burns agree on regarding Taiwan?")
    assert asked.predicate.lemma == "agree"
    met = "Qin Gang met Monday with the U.S. ambassador in Beijing, Nicholas Burns."
    assert "predicate" in unmet(asked, near(met))
    agreed = "Qin Gang and Nicholas Burns reached an agreement to keep talking."
    assert unmet(asked, near(agreed)) == []
    # a word of the same kind of exchange counts: asked what was discussed, "talks" reports it
    assert unmet(analyse("What did Raimondo discuss with Li Qiang?"),
                 near("Raimondo held talks with Li Qiang on Tuesday.")) == []


def test_other_verbs_are_left_to_similarity():
    assert analyse("In which European capital did Wang Yi sit down with Jake Sullivan?").predicate is None


def test_names_without_their_titles():
    asked = analyse("What did Foreign Minister Qin Gang discuss with Gina Raimondo?")
    other_minister = "Raimondo held talks with Commerce Minister Wang Wentao."
    assert "names" in unmet(asked, near(other_minister))  # "Minister" does not stand for Qin Gang
    # an everyday word of a name counts mid-sentence ("told He that"), not as a sentence's first word
    asked = analyse("What did Raimondo tell He Lifeng?")
    assert "names" in unmet(asked, near("He said the curbs would stay. Raimondo agreed."))
    assert analyse("Why, according to Premier Li Qiang, did talks stall?").speaker == ("li", "qiang")
    opening = analyse("According to Jo Raimer, why would the plan help the region?")
    assert opening.speaker == ("jo", "raimer")  # the credit may open the question too
    assert "speaker" in unmet(opening, near("Jo Raimer has been drafted in to back the plan."))
    assert "speaker" not in unmet(opening, near("Ms Raimer said the plan would give people more of a say."))
    assert analyse("According to the city's housing spokesman, what will the plan cost?").speaker == ()  # unnamed
    quote = "\u201cThe agenda was disrupted,\u201d he said."
    asked = analyse("According to Qin Gang, what happened to the agenda?")
    assert "speaker" not in unmet(asked, Neighbourhood(quote, quote, before=("On Monday, Qin blamed the US.",)))


def test_rare_names_must_be_named_near_the_sentence():
    asked = analyse("What did Blinken discuss with Qin Gang in Beijing?")
    about_burns = "Speaking with Burns in Beijing in talks that signal a thaw, Qin called on Washington to act."
    assert "names" in unmet(asked, near(about_burns))
    # any part of a name counts, as written: "He" for He Lifeng
    asked = analyse("What did Raimondo tell He Lifeng?")
    assert "names" not in unmet(asked, near("She told He that the curbs would stay.", ("Raimondo met He Lifeng.",)))


def test_a_different_month_is_a_different_event():
    asked = analyse("What did Blinken discuss with Wang Yi in June?")
    february = "Blinken held talks with Wang Yi on the sidelines of the Munich conference in February."
    assert "time" in unmet(asked, near(february))
    assert "time" not in unmet(asked, near("Blinken held talks with Wang Yi on Monday.", date="June 19, 2023"))


def test_the_fast_lexicon_reader_agrees_with_lemminflect():
    import random

    from lemminflect import getAllLemmas

    from assistant.retrieve.lexicon import lexicon, readings

    words = sorted(w for w in lexicon() if w.islower())  # readings are looked up (and given) in lowercase
    assert len(words) > 50_000
    sample = random.Random(7).sample(words, 2000) + ["meeting", "met", "agreed", "talks", "shot", "discussion"]
    assert [w for w in sample if readings(w) != dict(getAllLemmas(w))] == []
    assert readings("Met") == {"VERB": ("meet",)}


def test_the_one_name_an_articles_lead_gives_need_not_be_repeated_later():
    p = analyse("What nickname did Ray Mallon earn for his zero tolerance style?")
    later = "The former police chief was dubbed Robocop for his zero tolerance style."
    lead = "Middlesbrough mayor Ray Mallon has been drafted in to boost the Yes campaign."
    assert unmet(p, Neighbourhood(later, later)) == ["names"]
    assert unmet(p, Neighbourhood(later, later, document_lead=lead)) == []
    # a trap naming two people still needs both near the sentence, whoever the article is about
    trap = analyse("What did Ray Mallon and Neil Herron agree about transport?")
    assert "names" in unmet(trap, Neighbourhood(later, later, document_lead=lead))


def test_a_first_name_shared_with_someone_else_does_not_name_the_asked_person():
    p = analyse("Who replaced Alan Milburn as election chief?")
    assert "names" in unmet(p, near("Sir Nicholas was replaced by the flamboyant Alan Clark."))
    assert "names" not in unmet(p, near("Mr Milburn was replaced as election chief by Douglas Alexander."))
    assert "names" not in unmet(analyse("What did Qin Gang call the top priority?"), near("Qin said it was Taiwan."))


def test_later_names_may_come_from_the_articles_lead_but_the_first_must_be_near():
    lead = "Acme Corp has been fined for bribing a Ruritanian official, prosecutors in Zenda said."
    asked = analyse("How much did Jon Smolders earn at Acme Corp?")
    later = "Jon Smolders was paid $2m last year."
    assert unmet(asked, Neighbourhood(later, later, document_lead=lead)) == []
    trap = analyse("What was the name of the Ruritanian official that Acme Corp bribed?")
    quote = "\u201cFirms cannot bribe their way to favours,\u201d said Ann Wright, a US attorney."
    assert "names" in unmet(trap, Neighbourhood(quote, quote, before=("Acme Corp admitted the payment.",),
                                                document_lead=lead))


def test_the_lead_stands_in_for_a_name_only_in_sentences_about_the_articles_subject():
    lead = "Commerce Secretary Jo Raimer met Premier Li in Beijing on Monday."
    asked = analyse("How did Raimer respond when Premier Li urged Washington to act?")
    about_someone_else = "Beijing cut off talks with Washington last year in response to a visit to Taipei."
    assert "names" in unmet(asked, Neighbourhood(about_someone_else, about_someone_else, document_lead=lead))
    about_her = "She responded that Washington would not compromise on national security."
    assert "names" not in unmet(asked, Neighbourhood(about_her, about_her, document_lead=lead))


def test_a_sentence_opening_on_a_quantifier_is_about_the_articles_subject():
    lead = "The mayor has joined the campaign as the North East assembly referendum enters its final week."
    asked = analyse("What share of voters had sent back their North East assembly ballot papers?")
    counted = "Some 487,939 people had returned their ballot papers by Wednesday - a turnout of 25.7%."
    assert unmet(asked, Neighbourhood(counted, counted)) == ["names"]
    assert unmet(asked, Neighbourhood(counted, counted, document_lead=lead)) == []


def test_the_plural_noun_ending_an_everyday_name_does_not_name_it_alone():
    p = analyse("Who was named best actress at the Independent Spirit Awards?")
    other = "The Theatregoers' Choice Awards named Victoria Hamilton best actress."
    assert "names" in unmet(p, near(other))
    assert "names" not in unmet(p, near("Sideways won six Independent Spirit Awards on Saturday."))
    assert "names" not in unmet(p, near("At the Spirit awards, Catalina Sandino Moreno took best actress."))
    # a person's surname is no class: "Bell" still names Duncan Bell
    assert "names" not in unmet(analyse("Why can Duncan Bell only play for England?"), near("England has capped Bell."))


def test_an_events_circumstances_may_be_reported_with_its_object_in_other_words():
    p = analyse("Where were the resistance members caught dropping leaflets?")
    assert "predicate" not in unmet(p, near("They were arrested as they dropped leaflets at Munich University."))
    assert "predicate" in unmet(p, near("They were arrested at Munich University."))
    # a question about who did the deed gets no such leeway: "called for an apology" is another event
    assert "predicate" in unmet(analyse("Which families received the apology?"),
                                near("The mayor has called for an apology from the families."))


def test_a_long_name_one_typing_slip_off_is_still_named():
    p = analyse("Which title did James McIlroy win in Sheffield?")
    assert "names" not in unmet(p, near("James McIlroy motored to the 800m title in Sheffied on Sunday."))
    assert "names" in unmet(p, near("James McIlroy motored to the 800m title in Birmingham on Sunday."))
    # a short name one letter off is another name
    assert "names" in unmet(analyse("What did Wang Yi say?"), near("Wang Ye said the talks went well."))


def test_a_sentence_opening_on_the_person_a_string_of_names_ends_on_is_about_them():
    lead = "Jon Smolders, 36, escaped after being allowed out of the secure Zenda unit."
    asked = analyse("Whom had the escaped Zenda patient Jon Smolders been out to see?")
    about_him = "Smolders, who attacked a man in 1994, had been out to see his fiancee Ann Wright."
    assert "names" not in unmet(asked, Neighbourhood(about_him, about_him, document_lead=lead))
    about_the_unit = "The unit said the leave had been approved by doctors."
    assert "names" in unmet(asked, Neighbourhood(about_the_unit, about_the_unit, document_lead=lead))
