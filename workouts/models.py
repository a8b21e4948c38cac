"""Workout sessions, bouts and repetitions arrive with the workout-sessions issue."""
