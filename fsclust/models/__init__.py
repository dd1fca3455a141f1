"""The engine's parts per objective: k-means (inits, mean update), k-medoids (medoid cost,
update, inits) and the capacity modes of ``predict``.
"""
