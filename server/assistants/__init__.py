"""Community police assistants (警务助理): appointments, revocation, the villagers they serve."""
