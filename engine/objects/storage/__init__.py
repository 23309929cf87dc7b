"""Storage: object types as real SQL tables, and safe migrations between pack versions."""
