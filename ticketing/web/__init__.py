"""The web page: one template and a small vanilla-JS app that drives the JSON API."""
