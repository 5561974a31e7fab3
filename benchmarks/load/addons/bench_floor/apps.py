from django.apps import AppConfig


class BenchFloorConfig(AppConfig):
    name = "bench_floor"
    label = "bench_floor"
    verbose_name = "Benchmark floor"
