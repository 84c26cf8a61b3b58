"""Tests of the local Connect emulator, all through real boto3 clients over 127.0.0.1."""
