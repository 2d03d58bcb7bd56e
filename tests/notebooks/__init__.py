"""The source, release and solution notebooks: their contract and what the build makes."""
