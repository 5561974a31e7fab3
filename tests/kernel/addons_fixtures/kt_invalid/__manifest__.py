{"name": "Invalid", "version": __import__("os").system("touch /tmp/kt_invalid_was_executed")}
