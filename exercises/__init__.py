"""Users' own exercises: custom exercises taught from examples, and bout corrections."""
