import os
import sys

# Tests import the training package from the project root (python3 -m pytest training).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))
