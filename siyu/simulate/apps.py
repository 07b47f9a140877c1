from django.apps import AppConfig


class SimulateConfig(AppConfig):
    name = "siyu.simulate"
    label = "simulate"
    verbose_name = "Simulator"
