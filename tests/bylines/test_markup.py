"""Bylines declared in the markup: JSON-LD, meta tags, theme elements — main article only."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from workers.stages.bylines import tag_bylines

TITLE = "Le Mali et le Sénégal renforcent leur coopération militaire"
BODY = (
    "Le ministre malien de la Défense a reçu jeudi son homologue sénégalais à Bamako.\n\n"
    "Les deux délégations ont examiné les questions de sécurité le long de la frontière."
)


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def page(head: str = "", header: str = "", after: str = "", outside: str = "") -> str:
    """A WordPress-like page: ``header`` inside the article header, ``after`` at the article's
    end, ``outside`` in the sidebar/related area."""
    return (
        f"<html><head><title>{TITLE} – Site</title>{head}</head><body>"
        '<nav class="menu"><a href="/">Accueil</a></nav>'
        f'<article class="post"><header class="entry-header"><h1>{TITLE}</h1>{header}</header>'
        f'<div class="entry-content"><p>{BODY}</p></div>{after}</article>'
        f"{outside}</body></html>"
    )


def article_ld(author: object, headline: str = TITLE, kind: str = "NewsArticle") -> dict:
    return {"@context": "https://schema.org", "@type": kind, "headline": headline,
            "author": author}


RELATED = (
    '<div class="jeg_related_post"><article class="jeg_post"><h3>Autre titre</h3>'
    '<div class="jeg_meta_author">by <a>Jean Dupont</a></div></article></div>'
)
SIDEBAR = (
    '<aside class="widget-area"><div class="td-post-author-name">Par <a>Paul Martin</a></div>'
    '<span class="byline">Par Marie Curie</span></aside>'
)
COMMENTS = (
    '<div id="comments"><ol class="comment-list"><li><div class="comment-author vcard">'
    '<b class="fn">Lecteur Anonyme</b></div><p>Bravo.</p></li></ol></div>'
)


@dataclass(frozen=True)
class MarkupCase:
    id: str
    html: str
    authors: list[str]
    agencies: list[str]
    text: str = BODY
    site_name: str | None = None
    selector: str | None = None
    host: str | None = None


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebPage", "@id": "https://x.ml/a/#webpage", "name": TITLE},
        {"@type": "NewsArticle", "@id": "https://x.ml/a/#article", "headline": TITLE,
         "author": {"@id": "https://x.ml/#/schema/person/7f"}},
        {"@type": "Person", "@id": "https://x.ml/#/schema/person/7f", "name": "Oumar DIARRA"},
    ],
}

CASES = [
    MarkupCase("jsonld-person", page(jsonld(article_ld({"@type": "Person",
               "name": "Moussa Diallo"}))), ["Moussa Diallo"], []),
    MarkupCase("jsonld-string", page(jsonld(article_ld("Awa Traoré"))), ["Awa Traoré"], []),
    MarkupCase("jsonld-list", page(jsonld(article_ld([{"@type": "Person", "name": "Grace Okon"},
               {"@type": "Person", "name": "Abdullahi Musa"}]))),
               ["Grace Okon", "Abdullahi Musa"], []),
    MarkupCase("jsonld-yoast-graph-id", page(jsonld(YOAST_GRAPH)), ["Oumar Diarra"], []),
    MarkupCase("jsonld-organisation-agency", page(jsonld(article_ld(
               {"@type": "Organization", "name": "Agence de Presse Sénégalaise"}))),
               [], ["APS"], site_name="Seneweb"),
    MarkupCase("jsonld-desk-account", page(jsonld(article_ld({"@type": "Person",
               "name": "Rédaction"}))), [], []),
    MarkupCase("jsonld-admin", page(jsonld(article_ld({"@type": "Person", "name": "admin"}))),
               [], []),
    MarkupCase("jsonld-site-itself", page(jsonld(article_ld({"@type": "Organization",
               "name": "Maliweb"}))), [], [], site_name="Maliweb"),
    MarkupCase("jsonld-main-article-chosen-by-headline", page(
               jsonld(article_ld("Jean Dupont", headline="Un autre article"))
               + jsonld(article_ld("Fatoumata Maïga"))), ["Fatoumata Maïga"], []),
    MarkupCase("jsonld-broken-falls-back-to-meta",
               page('<script type="application/ld+json">{"@type": "NewsArticle",</script>'
                    '<meta name="author" content="Issa Sangaré">'), ["Issa Sangaré"], []),
    MarkupCase("meta-author", page('<meta name="author" content="Oumar DIARRA">'),
               ["Oumar Diarra"], []),
    MarkupCase("meta-author-desk", page('<meta name="author" content="La Rédaction">'), [], []),
    MarkupCase("meta-article-author-url-ignored",
               page('<meta property="article:author" content="https://facebook.com/x">'), [], []),
    MarkupCase("meta-article-author-name",
               page('<meta property="article:author" content="Kwame Mensah">'),
               ["Kwame Mensah"], []),
    MarkupCase("yoast-twitter-written-by",
               page('<meta name="twitter:label1" content="Écrit par">'
                    '<meta name="twitter:data1" content="Mariam Konaté">'
                    '<meta name="twitter:label2" content="Durée de lecture">'
                    '<meta name="twitter:data2" content="3 minutes">'), ["Mariam Konaté"], []),
    MarkupCase("tagdiv-author", page(header='<div class="td-post-author-name"><div '
               'class="td-author-by">Par</div> <a href="/author/x">Awa Traoré</a>'
               '<div class="td-author-line"> - </div></div>'), ["Awa Traoré"], []),
    MarkupCase("jnews-author", page(header='<div class="jeg_meta_author">by <a>Kwame Mensah'
               '</a></div>'), ["Kwame Mensah"], []),
    MarkupCase("spip-auteur", page(header='<div class="auteur">par <span class="vcard author">'
               '<a class="url fn spip_in">Issa Sangaré</a></span></div>'), ["Issa Sangaré"], []),
    MarkupCase("drupal-uid", page(header='<div class="field--name-uid"><span>Aminata BA</span>'
               '</div>'), ["Aminata Ba"], []),
    MarkupCase("generic-byline-two", page(header='<p class="byline">By Chinedu Asadu and '
               'Grace Okon</p>'), ["Chinedu Asadu", "Grace Okon"], []),
    MarkupCase("byline-with-date", page(header='<span class="byline">Par Moussa Diallo - 6 '
               'février 2025</span>'), ["Moussa Diallo"], []),
    MarkupCase("rel-author", page(header='<a rel="author" href="/auteur/x">Fatou Ndiaye</a>'),
               ["Fatou Ndiaye"], []),
    MarkupCase("itemprop-author", page(header='<span itemprop="author" itemscope><span '
               'itemprop="name">Yaya Sidibé</span></span>'), ["Yaya Sidibé"], []),
    MarkupCase("byline-agency", page(header='<span class="byline">Par AMAP</span>'),
               [], ["AMAP"]),
    MarkupCase("related-bylines-ignored", page(outside=RELATED), [], []),
    MarkupCase("sidebar-bylines-ignored", page(outside=SIDEBAR), [], []),
    MarkupCase("comment-authors-ignored", page(after=COMMENTS), [], []),
    MarkupCase("main-byline-beats-related", page(header='<div class="jeg_meta_author">by '
               '<a>Kwame Mensah</a></div>', outside=RELATED + SIDEBAR), ["Kwame Mensah"], []),
    MarkupCase("registry-selector-first", page(jsonld(article_ld("Jean Dupont")),
               after='<p class="signature">Aliu Candé</p>'), ["Aliu Candé"], [],
               selector=".signature"),
    MarkupCase("bad-registry-selector-reads-nothing", page(jsonld(article_ld("Awa Traoré"))),
               ["Awa Traoré"], [], selector="p[[["),
    MarkupCase("jsonld-beats-meta", page(jsonld(article_ld("Awa Traoré"))
               + '<meta name="author" content="Moussa Diallo">'), ["Awa Traoré"], []),
    # body and markup together
    MarkupCase("seed-desk-markup-signature-in-body",
               page(jsonld(article_ld({"@type": "Person", "name": "Rédaction"}))
                    + '<meta name="author" content="admin">'),
               ["Amen K."], [], text=BODY + "\n\nAmen K."),
    MarkupCase("markup-author-body-source", page(jsonld(article_ld("Moussa Diallo"))),
               ["Moussa Diallo"], ["APS"], text=BODY + "\n\nSource : APS"),
    MarkupCase("body-signature-beats-uploader", page(jsonld(article_ld("Sidiki Doumbia"))),
               ["Amen K."], ["L'Essor"], text=BODY + "\n\nAmen K.\n\nSource : L'Essor"),
    MarkupCase("same-author-twice-once", page('<meta name="author" content="Moussa DIALLO">'),
               ["Moussa Diallo"], [], text="Par Moussa Diallo\n\n" + BODY),
    MarkupCase("empty-html", "", ["Amen K."], [], text=BODY + "\n\nAmen K."),
    # every source of evidence
    MarkupCase("jsonld-given-and-family-name", page(jsonld(article_ld(
               {"@type": "Person", "givenName": "Mariam", "familyName": "Coulibaly"}))),
               ["Mariam Coulibaly"], []),
    MarkupCase("jsonld-creator-when-no-author", page(jsonld(
               {"@type": "NewsArticle", "headline": TITLE, "creator": ["Ousmane Sidibé"]})),
               ["Ousmane Sidibé"], []),
    MarkupCase("jsonld-webpage-author", page(jsonld({"@graph": [
               {"@type": "WebPage", "@id": "https://x.sn/a/", "author": {"@id": "#p1"}},
               {"@type": "Person", "@id": "#p1", "name": "Adji Diop"}]})), ["Adji Diop"], []),
    MarkupCase("jsonld-organisation-outlet-credited", page(jsonld(article_ld(
               {"@type": "Organization", "name": "Le Témoin Quotidien"}))),
               [], ["Le Témoin Quotidien"], site_name="Seneweb"),
    MarkupCase("microdata-meta-author", page(header='<meta itemprop="author" '
               'content="Boubacar Touré">'), ["Boubacar Touré"], []),
    MarkupCase("author-page-link", page(header='<span>Par <a href="/auteur/kadi-sy/">Kadi Sy'
               '</a></span>'), ["Kadi Sy"], []),
    MarkupCase("byline-class-list-of-names", page(header='<div class="article-byline"><span>'
               'Awa Ba</span> <span>Issa Sow</span> <span>Rokia Keita</span></div>'),
               ["Awa Ba", "Issa Sow", "Rokia Keita"], []),
    MarkupCase("meta-author-one-word", page('<meta name="author" content="Fatoumata">'),
               ["Fatoumata"], []),
    MarkupCase("meta-author-outlet-by-host", page('<meta name="author" content="Dakarinfo">'),
               [], [], host="www.dakarinfo.net"),
    MarkupCase("visible-byline-corrects-uploader", page(jsonld(article_ld("Sidiki Doumbia")),
               header='<span class="byline">Par Awa Traoré</span>'), ["Awa Traoré"], []),
    MarkupCase("visible-byline-adds-co-author", page(jsonld(article_ld("Grace Okon")),
               header='<p class="byline">By Grace Okon and Abdullahi Musa</p>'),
               ["Grace Okon", "Abdullahi Musa"], []),
    MarkupCase("date-and-name-row-by-the-headline", page(header='<p class="meta">06.02.2025 | '
               '10:30 | Awa Ba</p>'), ["Awa Ba"], []),
    MarkupCase("label-then-name", page(header='<p><strong>Auteur :</strong> Modibo Keïta</p>'),
               ["Modibo Keïta"], []),
    MarkupCase("personal-site-named-after-its-author",
               page('<meta name="author" content="Aminata Kane">'), ["Aminata Kane"], [],
               host="aminata.example.sn"),
    MarkupCase("jsonld-list-of-four-authors", page(jsonld(article_ld([{"@type": "Person",
               "name": name} for name in ("Awa Ba", "Issa Sow", "Rokia Keita", "Ali Dia")]))),
               ["Awa Ba", "Issa Sow", "Rokia Keita", "Ali Dia"], []),
    MarkupCase("people-quoted-in-author-boxes-are-no-co-authors",
               page(jsonld(article_ld("Awa Ba")), header='<span class="author">Awa Ba</span>',
                    after='<p class="author">Issa Sow, président du syndicat</p>'),
               ["Awa Ba"], []),
    MarkupCase("one-name-after-the-marker-of-a-byline-element", page(header='<span class="byline">'
               'Par Mariama, le 06/02/2025 à 10h30</span>'), ["Mariama"], []),
    MarkupCase("categories-after-the-byline-are-no-names", page(header='<span class="byline">By '
               'Mariama, in News, Politics, Economy</span>'), ["Mariama"], []),
    MarkupCase("row-with-date-words-around-the-name", page(header='<p class="meta">PAR IBRAHIMA '
               'SOW le 6 février 2025</p>'), ["Ibrahima Sow"], []),
    MarkupCase("meta-author-lower-case-surname",
               page('<meta name="author" content="Fatou ndiaye">'), ["Fatou Ndiaye"], []),
    MarkupCase("caption-by-the-headline-is-no-byline", page(header='<p>Des pêcheurs sur la plage '
               'de Soumbédioune le 6 février 2025 (AFP / Seyllou Diallo)</p>'), [], []),
    MarkupCase("personal-site-on-its-owners-name", page('<meta name="author" '
               'content="Aminata Kane">'), ["Aminata Kane"], [], host="www.aminatakane.sn"),
    MarkupCase("outlet-named-like-a-person-but-with-an-outlet-word", page('<meta name="author" '
               'content="Dakar Matin">'), [], [], host="www.dakarmatin.com"),
    MarkupCase("outlet-full-name-on-the-host-of-its-initials", page('<meta name="author" '
               'content="Radio Kankan Internationale (www.rki.gn)">'), [], [],
               host="www.rki.gn"),
    MarkupCase("place-after-the-outlet-in-a-name-field", page('<meta name="author" '
               'content="dakarinfo.net, Dakar, Sénégal">'), [], [], host="www.dakarinfo.net"),
    MarkupCase("contributor-description-after-the-name-in-jsonld", page(jsonld(article_ld(
               "Mariama Sow, enseignante-chercheuse à l'université Gaston Berger de "
               "Saint-Louis, dakarinfo.net"))), ["Mariama Sow"], [], host="www.dakarinfo.net"),
    MarkupCase("label-author-with-both-genders", page(header='<ul><li><strong>Autorin/Autor'
               '</strong> Adama Coulibaly</li></ul>'), ["Adama Coulibaly"], []),
    MarkupCase("drupal-submitted-by-a-handle", page(header='<div class="submitted">Submitted '
               'by <span class="username">kadisy</span> on 6 February 2025 - 10:30</div>'),
               ["kadisy"], []),
    MarkupCase("label-opening-the-element-that-holds-the-names", page(header='<ul><li>Par : '
               '<span><a href="/p/awa-ba">Awa BA</a>, </span><span><a href="/p/issa-sow">'
               'Issa SOW</a></span></li></ul>'), ["Awa Ba", "Issa Sow"], []),
    MarkupCase("teaser-card-byline-is-another-articles", page(jsonld(article_ld("Awa Ba")),
               header='<div class="card"><h3>Autre sujet</h3><p class="card__byline">von '
                     '<a href="/autor/7/issa-sow">Issa Sow</a></p></div>'), ["Awa Ba"], []),
    MarkupCase("photo-credit-author-class-ignored", page(after='<figure><img src="x.jpg">'
               '<figcaption><span class="author">Lamine Ndiaye</span></figcaption></figure>'),
               [], []),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_markup_case(case: MarkupCase) -> None:
    result = tag_bylines(case.html, case.text, title=TITLE, site_name=case.site_name,
                         byline_selector=case.selector, host=case.host)
    assert result.authors == case.authors
    assert result.agencies == case.agencies
    assert result.text == BODY
    if case.authors or case.agencies:
        assert result.byline


def test_raw_byline_keeps_original_spelling_and_joins_places() -> None:
    html = page('<meta name="author" content="AMAP">')
    result = tag_bylines(html, BODY + "\n\nOumar DIARRA", title=TITLE)
    assert result.authors == ["Oumar Diarra"]
    assert result.agencies == ["AMAP"]
    assert result.byline == "Oumar DIARRA | AMAP"


def test_huge_nesting_does_not_crash() -> None:
    html = "<html><body>" + "<div>" * 20000 + "x" + "</div>" * 20000 + "</body></html>"
    result = tag_bylines(html, BODY + "\n\nAmen K.")
    assert result.authors == ["Amen K."]


def test_the_evidence_says_which_source_won() -> None:
    html = page(jsonld(article_ld("Grace Okon")) + '<meta name="author" content="admin">',
                header='<p class="byline">By Grace Okon and Abdullahi Musa</p>')
    result = tag_bylines(html, BODY + "\n\nSource : NAN", title=TITLE)
    assert result.authors == ["Grace Okon", "Abdullahi Musa"]
    authors, agencies = result.evidence["authors"], result.evidence["agencies"]
    assert authors.origin == "jsonld+element"
    assert authors.reason == "metadata and the visible byline agree"
    assert result.agencies == ["NAN"] and agencies.origin == "body"
    verdicts = {(item.origin, item.value): item.note for item in authors.candidates}
    assert verdicts[("meta", "admin")] == "desk account or the outlet itself"
    assert verdicts[("jsonld", "Grace Okon")] == "author"
    assert verdicts[("body", "Source : NAN")] == "byline line"
