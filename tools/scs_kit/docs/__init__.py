"""`scs-kit docs`: a static, fully offline documentation site generated from the OpenAPI document.

`build.build_site` renders Jinja2 templates (templates/) from `scs_kit.spec`; `samples` writes the
curl / fetch / Python request samples; `results_view` turns a `RunResults` into the results page.
"""
