"""Helpdesk: the knowledge base (`kb_*` modules) and support tickets."""
