"""Data of the translation family: paired and unpaired image folders and the builders that make them."""
