"""Search engines: the local search (tabu over groupings), the MDGP diversity search, the
hybrid of local search and CP-SAT moves, and the helpers they share."""
