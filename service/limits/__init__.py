"""What a request may ask for and how often: caps on a request's values (caps.py), the body's
size (body.py), and a rate per caller (rate.py)."""
