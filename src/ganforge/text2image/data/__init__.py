"""Captioned digits: the builder (``ganforge data build captioned-digits``) and the reader of a built set."""
