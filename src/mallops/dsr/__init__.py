"""Privacy policy versions, consent per purpose, and data-subject requests (PIPL Art. 44-50)."""
