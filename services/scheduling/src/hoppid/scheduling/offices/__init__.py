"""Offices as scheduling knows them: learned from intake's events, with scheduling's own settings
of each (opening hours, closed days, meeting lengths, video links) and its calendar feed link."""
