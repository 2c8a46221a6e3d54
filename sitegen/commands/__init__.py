"""The commands of build.py: build, serve, explain, i18n and bench."""
