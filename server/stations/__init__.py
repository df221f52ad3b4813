"""Police stations, the command centre, and routing a report to the station whose jurisdiction holds it."""
