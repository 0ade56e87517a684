"""The rhythm of grid work: 一日双巡 patrols, 五必访 visits, digests, charts and the
quarter's assessment."""
