{"name": "Cycle B", "version": "1.0.0", "depends": ["kt_cycle_a"]}
