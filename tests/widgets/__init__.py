"""The course's widgets (course/widgets/): their pure functions and their wiring."""
