"""The table of byline forms: one row per way an outlet signs, with the truth.

Each form is placed where outlets put it (``start``: first line(s) of the body, ``end``: last
line(s), ``dateline``: opening the first paragraph) around a neutral body, and the stage must
report exactly ``authors`` and ``agencies``, remove the form's lines (``removed``) or leave
the text untouched (negatives), and keep the raw form in ``byline`` (``raw``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

BODY = {
    "fr": (
        "Le ministre de la Santé a présidé jeudi la cérémonie de lancement de la campagne "
        "nationale de vaccination contre la rougeole.\n\n"
        "Selon les autorités sanitaires, plus de deux millions d'enfants sont concernés par "
        "cette campagne qui durera dix jours."
    ),
    "en": (
        "The Federal Government on Thursday flagged off the national measles vaccination "
        "campaign in Abuja.\n\n"
        "According to health officials, more than two million children will be reached during "
        "the ten-day exercise."
    ),
    "pt": (
        "O ministro da Saúde presidiu na quinta-feira à cerimónia de lançamento da campanha "
        "nacional de vacinação contra o sarampo.\n\n"
        "Segundo as autoridades sanitárias, mais de dois milhões de crianças serão abrangidas "
        "pela campanha, que vai durar dez dias."
    ),
}


@dataclass(frozen=True)
class Form:
    """One byline form and what the stage must make of it."""

    text: str
    authors: list[str]
    agencies: list[str]
    where: str = "end"  # start | end | dateline
    lang: str = "fr"
    removed: bool = True  # False: a negative, the body must come back untouched
    raw: bool = True  # the form's text must appear in the raw byline
    site_name: str | None = None
    host: str | None = None  # the page's host, where the outlet's own domain matters
    title: str | None = None
    note: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        label = self.text.replace("\n", " / ")[:50]
        return f"{self.lang}-{self.where}-{label}"


def fr(text: str, authors: list[str], agencies: list[str], where: str = "end",
       **extra: object) -> Form:
    return Form(text, authors, agencies, where, "fr", **extra)  # type: ignore[arg-type]


def en(text: str, authors: list[str], agencies: list[str], where: str = "end",
       **extra: object) -> Form:
    return Form(text, authors, agencies, where, "en", **extra)  # type: ignore[arg-type]


def pt(text: str, authors: list[str], agencies: list[str], where: str = "end",
       **extra: object) -> Form:
    return Form(text, authors, agencies, where, "pt", **extra)  # type: ignore[arg-type]


def kept(lang: str, text: str, where: str = "end", **extra: object) -> Form:
    """A negative: not a byline, nothing reported, nothing removed."""
    return Form(text, [], [], where, lang, removed=False, raw=False, **extra)  # type: ignore[arg-type]


FRENCH = [
    # bare signatures on the last line
    fr("Amen K.", ["Amen K."], []),
    fr("Fredo BASSOLÉ", ["Fredo Bassolé"], []),
    fr("Oumar DIARRA", ["Oumar Diarra"], []),
    fr("OUMAR DIARRA", ["Oumar Diarra"], []),
    fr("Boubacar S. Traoré", ["Boubacar S. Traoré"], []),
    fr("A. K. DIALLO", ["A. K. Diallo"], []),
    fr("Mohamed OULD SALECK", ["Mohamed Ould Saleck"], []),
    fr("Ahmed Ould Cheikh", ["Ahmed Ould Cheikh"], []),
    fr("Modibo dit Fily KEITA", ["Modibo dit Fily Keita"], []),
    fr("Cheikh Tidiane N'DIAYE", ["Cheikh Tidiane N'Diaye"], []),
    fr("Aminata N’Diaye", ["Aminata N’Diaye"], []),
    fr("Awa BA", ["Awa Ba"], []),
    fr("Mamadou Ba", ["Mamadou Ba"], []),
    fr("Jean-Baptiste OUÉDRAOGO", ["Jean-Baptiste Ouédraogo"], []),
    fr("Alassane KONÉ", ["Alassane Koné"], []),
    fr("Aïssata Maïga", ["Aïssata Maïga"], []),
    fr("Serge Noël de SOUZA", ["Serge Noël de Souza"], []),
    fr("Ibrahima Diallo et Fatoumata Bah", ["Ibrahima Diallo", "Fatoumata Bah"], []),
    fr("Mamadou Kouyaté, Awa Sangaré & Issa Coulibaly",
       ["Mamadou Kouyaté", "Awa Sangaré", "Issa Coulibaly"], []),
    fr("Bakary SOGODOGO\nSalif DIARRAH", ["Bakary Sogodogo", "Salif Diarrah"], []),
    # signature + agency
    fr("Moussa Issa/ANP", ["Moussa Issa"], ["ANP"]),
    fr("Moussa Issa / ANP", ["Moussa Issa"], ["ANP"]),
    fr("Oumar Diarra\nAMAP-Ségou", ["Oumar Diarra"], ["AMAP"]),
    fr("Seydou DIAKITÉ\nAMAP Sikasso", ["Seydou Diakité"], ["AMAP"]),
    fr("Kader Toé/AIB", ["Kader Toé"], ["AIB"]),
    fr("Bintou Coulibaly (AIP)", ["Bintou Coulibaly"], ["AIP"]),
    fr("Koffi Mensah/ATOP", ["Koffi Mensah"], ["ATOP"]),
    fr("Sory Ibrahim TRAORÉ/AGP", ["Sory Ibrahim Traoré"], ["AGP"]),
    fr("Sylvain Hounsou/ABP", ["Sylvain Hounsou"], ["ABP"]),
    fr("Fatou Ndiaye - APS", ["Fatou Ndiaye"], ["APS"]),
    fr("Mariam Konaté\nSource : L'Essor", ["Mariam Konaté"], ["L'Essor"]),
    fr("Amen K.\nSource : L’Essor", ["Amen K."], ["L'Essor"]),
    fr("Issa Traoré, correspondant à Kayes", ["Issa Traoré"], []),
    fr("Aïssata Sow, envoyée spéciale à Mopti", ["Aïssata Sow"], []),
    fr("Par Moussa Diallo", ["Moussa Diallo"], []),
    fr("Par Awa Traoré (AMAP)", ["Awa Traoré"], ["AMAP"]),
    # credits of agencies and origin outlets
    fr("Source : APS", [], ["APS"]),
    fr("Source: APS", [], ["APS"]),
    fr("SOURCE : AMAP", [], ["AMAP"]),
    fr("Source : L'Essor", [], ["L'Essor"]),
    fr("Source : Le Soleil", [], ["Le Soleil"]),
    fr("Source : Sidwaya", [], ["Sidwaya"]),
    fr("Source : Fraternité Matin", [], ["Fraternité Matin"]),
    fr("Source : Fratmat.info", [], ["Fraternité Matin"]),
    fr("Source : Le Républicain", [], ["Le Républicain"]),
    fr("Source : L'Observateur Paalga", [], ["L'Observateur Paalga"]),
    fr("Source : Le Challenger", [], ["Le Challenger"], note="unknown outlet still reported"),
    fr("Source : Le Matinal du 6 février 2025", [], ["Le Matinal"]),
    fr("Sources : APS et AFP", [], ["APS", "AFP"]),
    fr("Source : Agence de Presse Sénégalaise", [], ["APS"]),
    fr("Source : Agence malienne de presse et publicité", [], ["AMAP"]),
    fr("Source : Agence Ivoirienne de Presse (AIP)", [], ["AIP"]),
    fr("Avec AFP", [], ["AFP"]),
    fr("(Avec AFP)", [], ["AFP"]),
    fr("Avec APA", [], ["APA"]),
    fr("Avec l'AFP", [], ["AFP"]),
    fr("D'après l'AFP", [], ["AFP"]),
    fr("Avec Reuters et AFP", [], ["Reuters", "AFP"]),
    fr("(AMAP)", [], ["AMAP"]),
    fr("AMAP", [], ["AMAP"]),
    fr("APS", [], ["APS"]),
    fr("PANA", [], ["PANA"]),
    fr("Panapress", [], ["PANA"]),
    fr("Agence Anadolu", [], ["Anadolu"]),
    fr("Xinhua", [], ["Xinhua"]),
    fr("Source : Sputnik Afrique", [], ["Sputnik"]),
    fr("Source : Agence Ecofin", [], ["Ecofin"]),
    # staff initials of agency dispatches: raw byline only
    fr("ASG/OID", [], []),
    fr("MK/AKS", [], []),
    fr("Source : APS\nASG/OID", [], ["APS"]),
    fr("SD/ASG/APS", [], ["APS"]),
    fr("AS/ata", [], []),
    fr("Agence d’information du Burkina\nAS/ata", [], ["AIB"]),
    fr("AT/MD (AMAP)", [], ["AMAP"]),
    fr("AI/CA/ANP-0045 Avril 2025", [], ["ANP"]),
    fr("Écrit par Super User", [], []),
    fr("Publié par admin", [], []),
    # first lines
    fr("Par Moussa Diallo", ["Moussa Diallo"], [], "start"),
    fr("Par Moussa DIALLO", ["Moussa Diallo"], [], "start"),
    fr("par Awa Konaté", ["Awa Konaté"], [], "start"),
    fr("Par Moussa Diallo et Awa Traoré", ["Moussa Diallo", "Awa Traoré"], [], "start"),
    fr("Par Moussa Diallo - 6 février 2025", ["Moussa Diallo"], [], "start"),
    fr("Par Moussa Diallo | 06/02/2025 à 10h30", ["Moussa Diallo"], [], "start"),
    fr("De notre correspondant à Kayes, Issa Traoré", ["Issa Traoré"], [], "start"),
    fr("De notre correspondant à Kayes : Issa Traoré", ["Issa Traoré"], [], "start"),
    fr("De notre envoyée spéciale à Tombouctou, Fatoumata Maïga",
       ["Fatoumata Maïga"], [], "start"),
    fr("Mamadou Saliou Diallo, envoyé spécial à Boké", ["Mamadou Saliou Diallo"], [], "start"),
    fr("Correspondance particulière : Issa Sangaré", ["Issa Sangaré"], [], "start"),
    fr("Par Dr Amadou Ba", ["Amadou Ba"], [], "start"),
    fr("Par Me Mamadou Ismaïla Konaté, avocat", ["Mamadou Ismaïla Konaté"], [], "start"),
    fr("Par Pr Abdoulaye Niang, sociologue", ["Abdoulaye Niang"], [], "start"),
    fr("Propos recueillis par Moussa Diallo", ["Moussa Diallo"], [], "start"),
    fr("Texte et photos : Sidi Keïta", ["Sidi Keïta"], [], "start"),
    fr("Texte : Hawa Séméga", ["Hawa Séméga"], [], "start"),
    fr("Dossier réalisé par Yaya Sidibé", ["Yaya Sidibé"], [], "start"),
    fr("Par Kadiatou Ouattara, journaliste stagiaire", ["Kadiatou Ouattara"], [], "start"),
    fr("Par Mahamadou Kané (AMAP)", ["Mahamadou Kané"], ["AMAP"], "start"),
    # desk accounts and other non-authors signing
    fr("La Rédaction", [], []),
    fr("Rédaction", [], []),
    fr("LA RÉDACTION", [], []),
    fr("Par La Rédaction", [], [], "start"),
    fr("Par la rédaction", [], []),
    fr("Correspondance particulière", [], []),
    fr("De notre correspondant à Kayes", [], [], "start"),
    fr("Par Maliweb", [], [], "start", site_name="Maliweb"),
    fr("Maliweb.net", [], [], site_name="Maliweb"),
    fr("Photo : AMAP", [], [], raw=False),
    fr("Crédit photo : Sidwaya", [], [], raw=False),
    fr("© Xinhua", [], [], raw=False),
    fr("Photo d'illustration : Mali Tribune", [], [], raw=False),
    fr("Amen K.\nPhoto : AMAP", ["Amen K."], []),
    fr("Amen K.\n© AMAP", ["Amen K."], []),
    # datelines (the dateline is cut from the first paragraph, the rest kept)
    fr("Dakar, 6 fév (APS) - ", [], ["APS"], "dateline"),
    fr("Ziguinchor, 6 fév (APS) – ", [], ["APS"], "dateline"),
    fr("DAKAR (APS) – ", [], ["APS"], "dateline"),
    fr("Bamako, 7 fév (AMAP) - ", [], ["AMAP"], "dateline"),
    fr("Ouagadougou, 6 févr. 2025 (AIB)-", [], ["AIB"], "dateline"),
    fr("Abidjan, 6 fév 2025 (AIP)- ", [], ["AIP"], "dateline"),
    fr("Niamey, 6 fév (ANP)- ", [], ["ANP"], "dateline"),
    fr("Conakry, 6 fév (AGP)- ", [], ["AGP"], "dateline"),
    fr("Lomé, 6 fév. (ATOP) - ", [], ["ATOP"], "dateline"),
    fr("Cotonou, 6 fév. 2025 (ABP) - ", [], ["ABP"], "dateline"),
    fr("Nouakchott, 6 fév (AMI) - ", [], ["AMI"], "dateline"),
    fr("Dakar, 6 fév (APA) - ", [], ["APA"], "dateline"),
    fr("Paris (AFP) - ", [], ["AFP"], "dateline"),
    fr("Bobo-Dioulasso, 6 fév. 2025 (AIB) - ", [], ["AIB"], "dateline"),
    # negatives: prose at the edges stays
    # role words before the name: the name is the author, the role is not part of it
    fr("Synthèse : Ndèye Khady Sarr", ["Ndèye Khady Sarr"], [], "start"),
    fr("Synthèse de Babacar Thiam", ["Babacar Thiam"], []),
    fr("Compilation : Mariétou Kanté", ["Mariétou Kanté"], []),
    fr("Compilé par Souleymane Dembélé", ["Souleymane Dembélé"], [], "start"),
    fr("Correspondance particulière de Ségou, Yacouba Tangara", ["Yacouba Tangara"], [],
       "start"),
    fr("Correspondance particulière / Habib Konté", ["Habib Konté"], []),
    # a name with the agency it worked with: both kept
    fr("Aminata Sow avec AFP", ["Aminata Sow"], ["AFP"]),
    fr("Par Seydou Keïta avec l'APS", ["Seydou Keïta"], ["APS"], "start"),
    fr("La Rédaction avec AFP", [], ["AFP"]),
    fr("Avec des informations de RFI", [], ["RFI"]),
    fr("Awa Ba\nAvec des informations de Radio Kayira", ["Awa Ba"], ["Radio Kayira"]),
    fr("Awa Traoré (atr)", ["Awa Traoré"], [], note="the journalist's initials after the name"),
    # the note closing an opinion piece presents its author
    fr("*Mamadou Lamine Fofana est juriste, spécialiste du droit foncier.",
       ["Mamadou Lamine Fofana"], []),
    fr("Dr Aïda Ndour est enseignante-chercheuse à l'université de Thiès.", ["Aïda Ndour"], []),
    fr("(*) Ibrahima Cissé est économiste et consultant.", ["Ibrahima Cissé"], []),
    # a portal's byline with its own domain appended: the name only
    fr("Par Khadim Guèye | Dakarinfo.net", ["Khadim Guèye"], [], "start",
       host="www.dakarinfo.net"),
    fr("Oumar Ba - Senego.com", ["Oumar Ba"], [], site_name="Senego"),
    # a republished story's byline slot naming its origin outlet: a credit, not an author
    fr("Par Le Soleil", [], ["Le Soleil"], "start", site_name="Seneweb"),
    fr("Par lesoleil.sn", [], ["Le Soleil"], "start", host="www.senego.com"),
    fr("Par walf-groupe.com", [], ["walf-groupe.com"], "start", host="www.senego.com"),
    fr("Par Sud Quotidien", [], ["Sud Quotidien"], "start", host="www.senego.com"),
    # the outlet's own name in the byline slot: dropped
    fr("Par Dakarinfo", [], [], "start", host="www.dakarinfo.net"),
    fr("Rédaction Dakarinfo", [], [], host="www.dakarinfo.net"),
    fr("Senego TV", [], [], site_name="Senego"),
    fr("Journaliste Awa Ba", ["Awa Ba"], [], "start"),
    fr("Chroniqueur Ibrahima Fall", ["Ibrahima Fall"], []),
    fr("Awa Ba - https://awaba.example.sn", ["Awa Ba"], []),
    fr("Une chronique de Moussa Diallo", ["Moussa Diallo"], [], "start"),
    fr("Tribune de Awa Traoré", ["Awa Traoré"], [], "start"),
    fr("Radio Kankan Internationale", [], [], host="www.rki.gn",
       note="the outlet's full name on the host named by its initials"),
    fr("Dakarinfo.net, Dakar", [], [], host="www.dakarinfo.net",
       note="the outlet itself, then its place"),
    fr("Par Agence Ivoirienne de Presse - Abidjan", [], ["AIP"], "start"),
    kept("fr", "Moussa Diallo est attendu lundi à Kayes."),
    kept("fr", "Awa Traoré est la nouvelle présidente de l'association des femmes de Kayes, "
         "élue samedi par ses pairs lors d'une assemblée générale tenue à la mairie."),
    kept("fr", "Affaire à suivre."),
    kept("fr", "À suivre…"),
    kept("fr", "Fin."),
    kept("fr", "Vive le Mali !"),
    kept("fr", "Que Dieu bénisse le Mali et le Sénégal."),
    kept("fr", "Mali Sénégal"),
    kept("fr", "Le ministre était accompagné de Moussa Diallo."),
    kept("fr", "Par ailleurs, le ministre a rappelé les liens historiques.", "start"),
    kept("fr", "Par conséquent, la réunion a été reportée.", "start"),
    kept("fr", "Le ministre (photo) a salué les efforts des partenaires.", "start"),
    kept("fr", "Le Premier ministre (PM) a présidé la séance.", "start"),
    kept("fr", "Commentaires"),
    kept("fr", "Source de revenus pour des milliers de familles, la pêche est en crise.",
         "start"),
]

ENGLISH = [
    en("By Abdullahi Musa and Grace Okon", ["Abdullahi Musa", "Grace Okon"], [], "start"),
    en("By Abdullahi Musa, Kano", ["Abdullahi Musa"], [], "start"),
    en("By Chinedu ASADU", ["Chinedu Asadu"], [], "start"),
    en("BY CHINEDU ASADU", ["Chinedu Asadu"], [], "start"),
    en("By Abdullahi Musa, Grace Okon & Chinedu Asadu",
       ["Abdullahi Musa", "Grace Okon", "Chinedu Asadu"], [], "start"),
    en("By Aminu Abubakar | Feb 6, 2025", ["Aminu Abubakar"], [], "start"),
    en("By Aminu Abubakar - 2 hours ago", ["Aminu Abubakar"], [], "start"),
    en("Written by Kwame Mensah", ["Kwame Mensah"], [], "start"),
    en("Story by Ama Serwaa", ["Ama Serwaa"], [], "start"),
    en("From Ibrahim Sani, Kano", ["Ibrahim Sani"], [], "start"),
    en("From Our Correspondent in Kano, Ibrahim Sani", ["Ibrahim Sani"], [], "start"),
    en("By Dr. Chidi Okeke", ["Chidi Okeke"], [], "start"),
    en("By Hon. Ahmed Idris", ["Ahmed Idris"], [], "start"),
    en("By Mrs Funke Adeyemi", ["Funke Adeyemi"], [], "start"),
    en("By Emmanuel Ojo, Senior Correspondent", ["Emmanuel Ojo"], [], "start"),
    en("By Tunde Ajayi, Abuja", ["Tunde Ajayi"], [], "start"),
    en("Reporting by Kwame Mensah; Editing by John Smith", ["Kwame Mensah"], [], "end"),
    en("Kwame Mensah, Tamale", ["Kwame Mensah"], []),
    en("Grace Okon, Abuja", ["Grace Okon"], []),
    en("Kwame Mensah\nGNA", ["Kwame Mensah"], ["GNA"]),
    en("Ama Serwaa/GNA", ["Ama Serwaa"], ["GNA"]),
    en("Yusuf Bala (NAN)", ["Yusuf Bala"], ["NAN"]),
    en("By Chioma Obi\nSource: NAN", ["Chioma Obi"], ["NAN"]),
    en("(NAN)", [], ["NAN"]),
    en("(NAN)(www.nannews.ng)", [], ["NAN"]),
    en("Source: GNA", [], ["GNA"]),
    en("Source: NAN", [], ["NAN"]),
    en("Source: Xinhua", [], ["Xinhua"]),
    en("Source: Anadolu Agency", [], ["Anadolu"]),
    en("Source: Daily Trust", [], ["Daily Trust"]),
    en("Source: www.premiumtimesng.com", [], ["Premium Times"]),
    en("Source: Ghana News Agency", [], ["GNA"]),
    en("Source: The Guardian Nigeria", [], ["The Guardian Nigeria"]),
    en("Source: Citi Newsroom", [], ["Citi Newsroom"]),
    en("Source: Vanguard", [], ["Vanguard"]),
    en("Source: Graphic Online", [], ["Daily Graphic"]),
    en("Source: The Herald Ghana", [], ["The Herald Ghana"], note="unknown outlet"),
    en("Reuters", [], ["Reuters"]),
    en("— AFP", [], ["AFP"]),
    en("AFP/Lusa", [], ["AFP", "Lusa"]),
    en("News Agency of Nigeria", [], ["NAN"]),
    en("By NAN", [], ["NAN"]),
    en("With AFP", [], ["AFP"]),
    en("Additional reporting by Reuters", [], ["Reuters"]),
    en("Edited by Tosin Kolade", [], []),
    en("Edited by Tosin Kolade (NAN)", [], ["NAN"]),
    en("Agency Report", [], []),
    en("By Agency Report", [], [], "start"),
    en("By Our Reporter", [], [], "start"),
    en("By Staff Reporter", [], [], "start"),
    en("Staff Reporter", [], []),
    en("The Editor", [], []),
    en("With agency reports", [], []),
    en("By Premium Times", [], [], "start", site_name="Premium Times"),
    en("By Punch Newspapers", [], [], "start", site_name="Punch Newspapers"),
    en("Photo: GNA", [], [], raw=False),
    en("Photo credit: Kwame Mensah", [], [], raw=False),
    en("ABUJA, Feb. 6, 2025 (NAN) ", [], ["NAN"], "dateline"),
    en("Abuja, Feb. 6, 2025 (NAN) - ", [], ["NAN"], "dateline"),
    en("Accra, Feb. 6, GNA - ", [], ["GNA"], "dateline"),
    en("Kumasi, Feb 6, GNA – ", [], ["GNA"], "dateline"),
    en("Lagos (Reuters) - ", [], ["Reuters"], "dateline"),
    en("ACCRA, Ghana (AP) — ", [], ["AP"], "dateline"),
    en("Monrovia, Feb. 6 (LINA) - ", [], ["LINA"], "dateline"),
    en("Freetown, Feb 6 (SLENA) - ", [], ["SLENA"], "dateline"),
    en("Banjul, Feb 6 (GAMNA) - ", [], ["GAMNA"], "dateline"),
    en("Beijing, Feb. 6 (Xinhua) -- ", [], ["Xinhua"], "dateline"),
    en("Additional reporting by Kofi Boateng", ["Kofi Boateng"], []),
    en("Compiled by Ngozi Eze", ["Ngozi Eze"], [], "start"),
    en("Kwabena Owusu with Reuters", ["Kwabena Owusu"], ["Reuters"]),
    en("*Dr Chiamaka Obi is a senior lecturer in public health at the University of Ibadan.",
       ["Chiamaka Obi"], []),
    en("Yaw Asante is a development economist based in Accra.", ["Yaw Asante"], []),
    en("By Efosa Igbinedion - Nairanews.ng", ["Efosa Igbinedion"], [], "start",
       host="www.nairanews.ng"),
    en("By thecable.ng", [], ["thecable.ng"], "start", host="www.nairanews.ng"),
    en("By Accra Daily Mail", [], ["Accra Daily Mail"], "start", host="www.nairanews.ng"),
    en("By Nairanews Reporter", [], [], "start", host="www.nairanews.ng"),
    en("Senior correspondent Kofi Mensah", ["Kofi Mensah"], [], "start"),
    en("A column by Grace Okon", ["Grace Okon"], [], "start"),
    kept("en", "Analysis by the ministry shows a rise in cases.", "start"),
    kept("en", "Grace Okon is expected in Abuja on Monday."),
    kept("en", "— Grace Okon (@graceokon) February 6, 2025"),
    en("Source: Kwame Mensah Ltd", [], ["Kwame Mensah Ltd"]),
    kept("en", "Thank you."),
    kept("en", "God bless Nigeria."),
    kept("en", "This is a developing story."),
    kept("en", "By Monday, the government will release the funds.", "start"),
    kept("en", "By and large, the exercise was peaceful.", "start"),
    kept("en", "From Lagos to Kano, traders protested the new levy.", "start"),
    kept("en", "He said the project would be completed by December."),
    kept("en", "The minister was accompanied by Grace Okon."),
]

PORTUGUESE = [
    pt("Por Aliu Candé", ["Aliu Candé"], [], "start"),
    pt("Por Maria da Silva e João dos Santos", ["Maria da Silva", "João dos Santos"], [],
       "start"),
    pt("Por Aliu Candé e Braima Darame, em Bissau", ["Aliu Candé", "Braima Darame"], [],
       "start"),
    pt("Texto: Ana Lopes", ["Ana Lopes"], [], "start"),
    pt("Ana Lopes, enviada especial a Bafatá", ["Ana Lopes"], [], "start"),
    pt("Do nosso correspondente em Bafatá, Braima Darame", ["Braima Darame"], [], "start"),
    pt("Por Dra. Maria Gomes", ["Maria Gomes"], [], "start"),
    pt("Por Redação", [], [], "start"),
    pt("Aliu Candé / Lusa", ["Aliu Candé"], ["Lusa"]),
    pt("Aliu Candé/Lusa", ["Aliu Candé"], ["Lusa"]),
    pt("Joaquim DOS SANTOS", ["Joaquim dos Santos"], []),
    pt("João Silva e Sousa", ["João Silva e Sousa"], []),
    pt("Fernando Jorge Pereira da Costa", ["Fernando Jorge Pereira da Costa"], []),
    pt("Fonte: Lusa", [], ["Lusa"]),
    pt("Fonte: Inforpress", [], ["Inforpress"]),
    pt("Fonte: Agência Lusa", [], ["Lusa"]),
    pt("Fonte: O Democrata", [], ["O Democrata"]),
    pt("Fonte: Jornal Nô Pintcha", [], ["Nô Pintcha"]),
    pt("Com Lusa", [], ["Lusa"]),
    pt("(Com Lusa)", [], ["Lusa"]),
    pt("Lusa", [], ["Lusa"]),
    pt("Agência Lusa", [], ["Lusa"]),
    pt("(ANG)", [], ["ANG"]),
    pt("MB // VM\nLusa/Fim", [], ["Lusa"]),
    pt("JM/AA\nInforpress/Fim", [], ["Inforpress"]),
    pt("Redação", [], []),
    pt("A Redação", [], []),
    pt("Editado por Carlos Lopes", [], []),
    pt("Foto: Inforpress", [], [], raw=False),
    pt("Fotos: Lusa", [], [], raw=False),
    pt("Bissau, 6 fev 2025 (Lusa) - ", [], ["Lusa"], "dateline"),
    pt("Praia, 6 fev (Inforpress) – ", [], ["Inforpress"], "dateline"),
    pt("Bissau, 06 Fev 2025 (ANG) – ", [], ["ANG"], "dateline"),
    pt("Lisboa, 06 fev 2025 (Lusa) - ", [], ["Lusa"], "dateline"),
    pt("Aliu Candé com Lusa", ["Aliu Candé"], ["Lusa"]),
    kept("pt", "Obrigado."),
    kept("pt", "Fim."),
    kept("pt", "Por outro lado, o ministro lembrou os laços históricos.", "start"),
    kept("pt", "Por isso, a reunião foi adiada.", "start"),
    kept("pt", "O ministro estava acompanhado por Aliu Candé."),
]

ALL_FORMS = [*FRENCH, *ENGLISH, *PORTUGUESE]
