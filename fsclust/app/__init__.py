"""The YAML application: schema, spec loading, data files, the spec workflow, reports and plots.
"""
