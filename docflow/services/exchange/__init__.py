"""Exchange with other agencies (edXML over the national axis): messages, partners, transport."""
