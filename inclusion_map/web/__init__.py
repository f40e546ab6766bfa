"""The Flask front end."""
