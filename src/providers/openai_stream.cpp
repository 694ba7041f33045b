// placeholder: the OpenAI stream decoder
