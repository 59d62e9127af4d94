"""Conversation state and follow-up resolution."""
