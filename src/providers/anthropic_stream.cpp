// placeholder: filled in by the anthropic codec work
