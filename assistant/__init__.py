"""Article Q&A assistant: grounded answers with line-exact citations."""
