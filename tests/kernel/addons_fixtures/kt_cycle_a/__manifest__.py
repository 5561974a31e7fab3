{"name": "Cycle A", "version": "1.0.0", "depends": ["kt_cycle_b"]}
