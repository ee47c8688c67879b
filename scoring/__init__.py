"""Intake, profiles, features, compatibility scores and their explanations."""
