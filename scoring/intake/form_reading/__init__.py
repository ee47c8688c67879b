"""Reading a form as a person would: what ``mentormatch init`` understands of two sheets.

:mod:`~scoring.intake.form_reading.columns` profiles each column's answers;
:mod:`~scoring.intake.form_reading.options` learns a question's option set from the
whole column; :mod:`~scoring.intake.form_reading.detection` maps headers to fields from
headers and answers, symmetrically on both sheets;
:mod:`~scoring.intake.form_reading.vocabularies` maps answers onto the built-in
vocabularies; :mod:`~scoring.intake.form_reading.ladders` orders career stages.
:mod:`scoring.intake.starter_config` puts them together into a config.
"""
