"""The data model: the instance contract, its validation, and the compiled problem."""
