"""Checks of a recipe run's report.html."""

import os
import re

from tfdefect.evaluation.html_report import run_figures


def check_report_page(workdir) -> str:
    """report.html exists, has the metrics table and inlines every PNG of the workdir."""
    page = open(os.path.join(workdir, "report.html")).read()
    assert re.search(r'<table id="metrics">.*?</table>', page, re.S), "no metrics table"
    figures = run_figures(str(workdir))
    assert figures, "the run drew no figure"
    assert page.count('src="data:image/png;base64,') == len(figures)
    return page
