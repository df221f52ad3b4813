"""Linked agencies (联动单位): the directory, relaying cases to them, and their answers."""
