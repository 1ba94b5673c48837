"""The store-and-forward engine: intake, routing into transfers, status travelling back,
and the queries agencies and citizens make. Functions here take a :class:`Services` and
plain values; HTTP and the command line are thin edges over them."""
