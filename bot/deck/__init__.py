"""The customer deck: its model, the timeline, the HTML and PPTX renderers (pure), and the build."""
