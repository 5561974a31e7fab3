{
    "name": "Benchmark floor",
    "version": "1.0.0",
    "summary": "Benchmark only (benchmarks/load): GET /bench/floor/pages/{id}, a page's JSON from one SQL query",
    "category": "Hidden",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core"],
    "data": [],
    "application": False,
    "installable": True,
}
