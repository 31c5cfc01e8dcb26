"""``kibaru web``: the operator's console, server-rendered over the same store and broker as
the command line (:func:`kibaru.web.app.create_app`)."""
