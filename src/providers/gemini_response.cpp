// placeholder: filled in by the gemini codec work
