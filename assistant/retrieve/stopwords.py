"""English stopwords for keyword matching (BM25 and term coverage share one list).

Lucene's English list (what bm25s uses), plus pronouns and auxiliaries, plus question
words: "What did X say" carries no content in "what", "did" or "say". "us" is in the
list because "US" and "U.S." must not score differently.
"""

LUCENE_ENGLISH = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there "
    "these they this to was will with".split())
FUNCTION_WORDS = frozenset(
    "many much his her hers he she him us had has have been being may might would could should s its "
    "them we our i my me you your also than were do does did can just".split())
QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how say said tell according article articles".split())
STOPWORDS = LUCENE_ENGLISH | FUNCTION_WORDS | QUESTION_WORDS
