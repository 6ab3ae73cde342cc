"""CaseReview for other assistants: an MCP server (:mod:`assistant.plugin.mcp_server`) and LangChain tools (:mod:`assistant.plugin.langchain_tools`)."""
