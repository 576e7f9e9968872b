"""Three tiny articles the retrieval tests share: two the model can match, one only BM25 can."""

from __future__ import annotations

from index.models import Document

PIPELINE = Document(
    id="pipeline",
    text="The east-route natural gas pipeline was fully completed in December 2024.",
    date="2024-12-02",
    source="Xinhua",
)
EXPO = Document(
    id="expo",
    text="Putin will visit Harbin to open the 8th China-Russia Expo.",
    date="2024-05-16",
    source="China Daily",
)
# A made-up code no embedding has seen: only the lexical side can match it exactly.
PART = Document(
    id="part",
    text="Customs registered shipment ZX-4471Q of turbine blades at the Manzhouli crossing.",
    date="2024-08-09",
    source="Xinhua",
)
