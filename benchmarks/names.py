"""Given names and family names from which the generator composes its pool of authors.

A mix of languages, because the library's authors come from co-op movements worldwide and
analyzers and facets should meet accents, particles and short names. These are ordinary
names, not people: combinations are made at random.

Kept as comma-separated text because family names may contain spaces ("da Silva").
"""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


GIVEN_NAMES = _names(
    """
    Ada, Adebayo, Aiko, Alejandro, Amara, Ana, Andrés, Anja, Arjun, Astrid, Bea, Bongani,
    Carmen, Chen, Chiara, Dagny, Daniel, Deepa, Diego, Dmitri, Efua, Elena, Emeka, Erik,
    Fatima, Felipe, Fiona, Grace, Hana, Hassan, Ines, Ioana, Jamal, Javier, Jin, Joan, Jonas,
    Josefa, Kalani, Karim, Kavya, Kwame, Lars, Leila, Lucía, Maeve, Malik, Maria, Mateo, Mei,
    Miguel, Mirela, Nadia, Naledi, Nikos, Noor, Olga, Omar, Pablo, Priya, Rafael, Rosa, Ruth,
    Sakura, Samuel, Sofia, Tariq, Thandiwe, Tomás, Uma, Valentina, Wen, Yara, Yusuf, Zainab,
    Zoe
"""
)

FAMILY_NAMES = _names(
    """
    Abebe, Achterberg, Adeyemi, Alvarez, Andersen, Bakshi, Banerjee, Bauer, Bianchi, Brennan,
    Castillo, Chowdhury, Costa, da Silva, de la Cruz, Dlamini, Dubois, Eriksson, Etxeberria,
    Fernández, Fischer, García, Gonzaga, Haddad, Hansen, Hernández, Ibarra, Ivanova, Jensen,
    Kamau, Kato, Kaur, Kowalski, Laurent, Lindqvist, Lopes, Mahlangu, Mendoza, Moreau, Murphy,
    Nakamura, Novak, Nwosu, O'Connor, Okafor, Olsen, Ortiz, Park, Petrović, Quispe, Rahman,
    Reyes, Rossi, Sato, Schmidt, Singh, Sokolova, Tanaka, Torres, Tran, Van den Berg, Varga,
    Wang, Weber, Yilmaz, Zhang
"""
)
