// placeholder: filled in by the ollama codec work
