"""The distance-matrix route: the within-cluster pairwise objective and its exchange search,
the CP-SAT optimality proof, and classical MDS.
"""
