"""Static site generator for the SMTP reply code reference."""
