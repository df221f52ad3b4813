"""Cases: the police side of a report — queue, detail, status, assignment, notes, messages."""
