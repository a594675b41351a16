"""Reading instances and writing plans: JSON, CSV seating plans, atomic files."""
